"""Authentication and authorisation: passwords, permissions as data, object scoping."""
