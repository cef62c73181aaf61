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


def trusting(ca_bundle):
    """The arguments that make `GIS` trust the mock's certificate: `verify_cert=True,
    ca_bundles=…` from arcgis 2.4.1 on (which refuse `verify_cert=<pem>`), `verify_cert=<pem>`
    before (2.4.0 and 2.3.x have no `ca_bundles`)."""
    import arcgis

    version = tuple(int(part) for part in arcgis.__version__.split(".")[:3])
    if version >= (2, 4, 1):
        return {"verify_cert": True, "ca_bundles": ca_bundle}
    return {"verify_cert": ca_bundle}


def connect(session):
    """The client as its users build it: a GIS over the session's URL, trusting the mock's
    certificate (see `trusting`)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from arcgis.gis import GIS
        from arcgis.gis.nb import NotebookServer

    gis = GIS(session.url + "/portal", token=TOKEN, **trusting(session.ca_bundle))
    return gis, NotebookServer(session.url + "/notebookserver", gis).notebooks


@pytest.fixture
def client(jobmock):
    """`(gis, notebooks)` for this test's jobmock session."""
    return connect(jobmock)
