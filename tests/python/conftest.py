"""Shared pieces of the Python suite: the ArcGIS client connected through the `jobmock` fixture.

The fixture itself comes from the installed package (entry point `pytest11`); nothing here
starts a server. `pytester` runs inner pytest sessions, to check what the plugin reports when a
server does not start or a `--strict` server answers an unmatched request.
"""

import warnings

import pytest

pytest_plugins = ["pytester"]

#: The token the client sends; replay is started without `--token`, so any token is accepted.
TOKEN = "python-suite-token"
#: The notebook item the shipped templates answer for.
ITEM = "c21213a381804c85935f50a1349a390f"
#: The item whose executeNotebook answer is the scripted failing job.
FAILING_ITEM = "5d0c8a3e9f1b4c7a8e2d6f0a1b3c5e7d"
#: The item whose job answers 498 (token expired) on its second poll.
EXPIRED_TOKEN_ITEM = "00000000000000000000000000000498"
EXPIRED_TOKEN_JOB = "j00000498-0000-4000-8000-000000000498"


def connect(session):
    """The client as its users build it: a GIS over the session's URL, trusting the mock's
    certificate (`verify_cert=True, ca_bundles=…`; `verify_cert=<pem>` is refused by arcgis)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from arcgis.gis import GIS
        from arcgis.gis.nb import NotebookServer

    gis = GIS(session.url + "/portal", token=TOKEN, verify_cert=True,
              ca_bundles=session.ca_bundle)
    return gis, NotebookServer(session.url + "/notebookserver", gis).notebooks


@pytest.fixture
def client(jobmock):
    """`(gis, notebooks)` for this test's jobmock session."""
    return connect(jobmock)
