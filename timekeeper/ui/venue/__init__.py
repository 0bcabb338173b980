"""The venue overview screen (`timekeeper venue venue.yaml`)."""
