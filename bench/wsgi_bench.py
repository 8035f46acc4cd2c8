"""The real app plus a bare endpoint (the floor every benchmark compares against)."""

from portal import create_app

app = create_app()


@app.get("/_bench/bare")
def bare() -> str:
    return "ok"
