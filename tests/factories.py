"""Small factories that go through the public API or the domain, with overridable defaults."""

from typing import Any

from workshop import voting


def session_spec(**attrs: Any) -> dict[str, Any]:
    spec = {"title": "Integrationsworkshop Erfurt", "place": "Rathaus Erfurt",
            "date": "2026-03-14"}
    spec.update(attrs)
    return {k: v for k, v in spec.items() if v is not None}


def api_session(client, **attrs: Any) -> dict[str, Any]:
    """POST /api/sessions; returns the answer with the token and links."""
    response = client.post("/api/sessions", json=session_spec(**attrs))
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def domain_session(db_session, **attrs: Any) -> voting.CreatedSession:
    return voting.create_session(db_session, session_spec(**attrs))
