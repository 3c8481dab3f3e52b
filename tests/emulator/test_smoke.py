async def test_list_jobs(client):
    r = await client.get("jobs")
    assert r.status_code == 200, r.text
    names = [j["JobName"] for j in r.json()["value"]]
    assert "DemoToWarehouse" in names


async def test_run_job(client, emu):
    r = await client.post("executeJob", json={"JobName": "DemoToWarehouse"})
    assert r.status_code == 200, r.text
    print(r.json())
    rows = r.json()["value"]
    assert rows[0]["Status"] == "SUCCESS", rows
