"""What grouppush tells operators about itself: Prometheus metrics, imported by every layer."""
