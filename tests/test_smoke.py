def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok"}


def test_customer_and_login(make_contact, login_contact, client):
    contact = make_contact()
    login_contact(contact)
    page = client.get("/clients/")
    assert page.status_code == 200
    assert contact.full_name in page.get_data(as_text=True)
