"""Sessions, the shared training scheduler, frame encoding and mailboxes (no HTTP here)."""
