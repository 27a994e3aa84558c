"""`flask --app registry ...` commands."""
from flask import Flask


def register_commands(app: Flask) -> None:
    pass
