"""Business actions. Each takes a session and the acting user, flushes, never commits."""
