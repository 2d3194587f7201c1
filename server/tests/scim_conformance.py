"""scim2-tester, a SCIM 2.0 conformance checker we did not write, run against the real
server by server/tests/api/scim_python.rs. It reads the discovery endpoints, then
creates, reads, lists, replaces, patches and deletes Users as they are described there.
Every check's result is printed; the last line is `OK {n} checks` or the script fails."""

import os
import sys

from httpx2 import Client
from scim2_client.engines.httpx2 import SyncSCIMClient
from scim2_tester import Status, check_server

http = Client(
    base_url=os.environ["SCIM_URL"],
    headers={"Authorization": "Bearer " + os.environ["SCIM_TOKEN"]},
    timeout=30,
)
results = check_server(SyncSCIMClient(http))
for result in results:
    print(result.status.name, result.resource_type or "-", result.title, "|", result.reason)
failed = [r for r in results if r.status in (Status.ERROR, Status.CRITICAL)]
skipped = [r for r in results if r.status == Status.SKIPPED]
if failed or skipped:
    print(f"FAILED {len(failed)} failed, {len(skipped)} skipped", file=sys.stderr)
    for result in failed:
        print(result, file=sys.stderr)
    sys.exit(1)
print(f"OK {len(results)} checks", flush=True)
