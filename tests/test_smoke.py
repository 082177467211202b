"""The app starts, renders the home page and serves static CSS."""


def test_home_page_links_to_login_register_and_verify(client):
    response = client.get("/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'href="/login"' in html
    assert 'href="/register"' in html
    assert 'href="/verify"' in html


def test_login_page_renders(client):
    response = client.get("/login")
    assert response.status_code == 200
    assert "Log in" in response.get_data(as_text=True)
