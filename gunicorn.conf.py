"""gunicorn reads this file from the working directory: `gunicorn 'registry:create_app()'`.

No server banner: gunicorn would name itself in every response's Server header. A request
that runs longer than `timeout` seconds (an upload that costs CPU) has its worker restarted.
"""
from gunicorn.http import wsgi

wsgi.SERVER = ""

timeout = 60
