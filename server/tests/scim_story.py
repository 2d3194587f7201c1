"""The procurement system's side of the provisioning story, with scim2-client (an
independent SCIM client), driven by server/tests/api/scim_python.rs: it discovers the
server, creates a vendor's account, finds it by userName, disables it, and enables it
again, printing a line after each step and waiting for the test's go-ahead."""

import os
import sys

from httpx2 import Client
from scim2_client.engines.httpx2 import SyncSCIMClient
from scim2_models import PatchOp, PatchOperation, SearchRequest

ACCOUNT = "urn:spse:params:scim:schemas:extension:spse:2.0:User"

http = Client(
    base_url=os.environ["SCIM_URL"],
    headers={"Authorization": "Bearer " + os.environ["SCIM_TOKEN"]},
    timeout=30,
)
scim = SyncSCIMClient(http)
scim.discover()
User = scim.get_resource_model("User")
Account = User.get_extension_models()[ACCOUNT]


def step(line):
    print(line, flush=True)
    assert sys.stdin.readline().strip() == "go", "the test went away"


user = User(
    user_name="CV.MAJU-1",
    display_name="CV Maju Jaya",
    emails=[User.Emails(value="admin@majujaya.example.co.id")],
    external_id="sirup-77",
)
user[Account] = Account(kind="penyedia")
created = scim.create(user)
assert created.active is True, created
assert created[Account].kind == "penyedia"
found = scim.search(SearchRequest(filter='userName eq "cv.maju-1"'))
assert found.total_results == 1, found
assert found.resources[0].id == created.id
step(f"CREATED {created.id}")

off = PatchOp[User](
    operations=[PatchOperation(op=PatchOperation.Op.replace_, path="active", value=False)]
)
disabled = scim.modify(User, created.id, off)
assert disabled.active is False, disabled
step("DISABLED")

back = scim.query(User, created.id)
back.active = True
back.display_name = "CV Maju Jaya Abadi"
enabled = scim.replace(back)
assert enabled.active is True and enabled.display_name == "CV Maju Jaya Abadi", enabled
print("OK " + enabled.model_dump_json(), flush=True)
