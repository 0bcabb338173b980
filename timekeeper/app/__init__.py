"""The composition root: options, assembly (the one place that knows every service), front ends."""
