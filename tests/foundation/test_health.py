def test_healthz_reports_each_part(app, client):
    app.config["CELERY_BROKER_URL"] = "memory://"
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"database": "ok", "broker": "ok"}


def test_healthz_names_the_failing_part(app, client):
    jobs = app.extensions["yanzhen_jobs"]
    saved = app.config["CELERY_BROKER_URL"], jobs["producer"]
    app.config["CELERY_BROKER_URL"], jobs["producer"] = "redis://127.0.0.1:1/0", None
    try:
        response = client.get("/healthz")
    finally:
        app.config["CELERY_BROKER_URL"], jobs["producer"] = saved
    assert response.status_code == 503
    body = response.get_json()
    assert body["database"] == "ok" and body["broker"] != "ok"


def test_error_pages_are_in_the_layout(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert "navbar" in response.get_data(as_text=True)


def test_absurd_ids_are_not_found_rather_than_an_overflow(app, client):
    integer_routes = [rule for rule in app.url_map.iter_rules()
                      if "int" in str(rule) and "GET" in rule.methods]
    assert integer_routes
    for rule in integer_routes:
        values = {name: 10**30 for name in rule.arguments}
        path = str(rule)
        for name in rule.arguments:
            path = path.replace(f"<int:{name}>", str(values[name])).replace(
                f"<int(min=1, max=2147483647):{name}>", str(values[name]))
        if "<" in path:
            continue
        assert client.get(path).status_code == 404, path
