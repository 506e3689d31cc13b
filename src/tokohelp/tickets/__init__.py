"""Help requests: the local store, attachments, backends and sending."""
