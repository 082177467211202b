"""Instance settings kept in the database and changed by administrators (audited)."""
