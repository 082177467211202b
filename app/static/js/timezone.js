// The browser's time zone, for pages rendered before the account chose one (app/i18n.py reads
// the "tz" cookie and checks it against the zones it knows).
(function () {
  "use strict";
  var zone;
  try {
    zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  } catch (e) {
    return;
  }
  if (!zone || zone.length > 64) {
    return;
  }
  var current = document.cookie.split("; ").filter(function (c) {
    return c.indexOf("tz=") === 0;
  })[0];
  if (current !== "tz=" + zone) {
    document.cookie = "tz=" + zone + "; path=/; max-age=31536000; SameSite=Lax";
  }
})();
