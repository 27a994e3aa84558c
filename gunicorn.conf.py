"""gunicorn reads this file from the working directory: `gunicorn 'registry:create_app()'`.

No server banner: gunicorn would name itself in every response's Server header.
"""
from gunicorn.http import wsgi

wsgi.SERVER = ""
