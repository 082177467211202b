"""Administration: completions review, certificates, exports, users and the audit log."""
