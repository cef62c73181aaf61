"""The arguments for `jobmock replay` a caller gives (`Server(args=…)`, the marker's `args=`)
beside the flags `Server` passes itself: `--listen` replaces its own, `--tls` and `--strict` are
taken as what they say, `--control-token` is sent on every control call, and the flags it
cannot share (`--fixtures`, the certificate's) are refused with what to do instead."""

import socket
import ssl
import urllib.error
import urllib.request

import pytest

from jobmock import Server


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def status_of(server, path, headers=None):
    request = urllib.request.Request(server.url + path, headers=headers or {})
    context = ssl.create_default_context(cafile=server.ca_bundle)
    try:
        with urllib.request.urlopen(request, context=context) as answer:
            return answer.status
    except urllib.error.HTTPError as error:
        return error.code


@pytest.mark.parametrize("form", ["separate", "joined"])
def test_a_listen_argument_replaces_the_free_port_of_the_server(form):
    port = free_port()
    args = ["--listen", f"127.0.0.1:{port}"] if form == "separate" else [f"--listen=127.0.0.1:{port}"]
    with Server(args=args) as server:
        assert server.url == f"https://127.0.0.1:{port}"
        assert server.command.count("--listen") == 1
        assert server.health()["status"] == "ok"


def test_a_server_listening_on_every_address_is_reached_at_the_loopback_one():
    with Server(args=["--listen", "0.0.0.0:0"]) as server:
        assert server.url.startswith("https://127.0.0.1:"), server.url
        assert server.health()["status"] == "ok"  # its certificate names 127.0.0.1


def test_tls_and_strict_arguments_are_what_the_server_does_anyway():
    with Server(args=["--tls", "--strict"]) as server:
        assert server.strict
        assert server.command.count("--tls") == 1 and server.command.count("--strict") == 1
        assert status_of(server, "/portal/sharing/rest/infoo?f=json") == 400
    assert server.returncode == 1


def test_a_control_token_argument_is_sent_on_every_control_call():
    with Server(args=["--control-token", "s3cret"]) as server:
        assert server.health()["status"] == "ok"
        assert server.session("t").verify()["requests"] == 0
        assert status_of(server, "/__jobmock/health") == 401
        assert status_of(server, "/__jobmock/health", {"X-Jobmock-Control-Token": "s3cret"}) == 200


@pytest.mark.parametrize("args, says", [
    (["--fixtures", "elsewhere"], "--fixtures in args: give the set as fixtures="),
    (["--tls-cert-out=ca.pem"], "--tls-cert-out in args: the server writes its certificate"),
    (["--tls-cert", "c.pem", "--tls-key", "k.pem"], "--tls-cert in args: the server serves a "
     "self-signed certificate"),
    (["--tls-key", "k.pem"], "--tls-key in args: the server serves a self-signed certificate"),
    (["--listen", "127.0.0.1:0", "--listen", "127.0.0.1:1"], "--listen in args: give it once"),
])
def test_the_flags_the_server_cannot_share_are_refused_with_what_to_do(args, says):
    with pytest.raises(ValueError, match="^" + says.replace("(", r"\(")):
        Server(args=args)


INNER = """
import pytest

@pytest.mark.jobmock(args=["--listen", "127.0.0.1:0", "--tls", "--control-token", "t0k"])
def test_listen_tls_and_token(jobmock):
    assert jobmock.health()["status"] == "ok"
    assert jobmock.verify()["requests"] == 0

@pytest.mark.jobmock(args=["--strict"])
def test_strict_flag(jobmock):
    assert jobmock.server.strict

@pytest.mark.jobmock(args=["--fixtures", "elsewhere"])
def test_fixtures_flag(jobmock):
    pass

@pytest.mark.jobmock(args=["--tls-cert-out", "ca.pem"])
def test_cert_out_flag(jobmock):
    pass

@pytest.mark.jobmock(record_mode="once", args=["--upstream", "https://example.com"])
def test_upstream_flag_on_its_own_set(jobmock):
    pass
"""


def test_a_markers_args_work_or_are_refused_with_one_sentence(pytester):
    pytester.makepyfile(test_inner=INNER)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")

    result.assert_outcomes(passed=2, errors=3)
    assert "cannot be used multiple times" not in result.stdout.str()
    result.stdout.fnmatch_lines([
        "E *.UsageError: @pytest.mark.jobmock: --fixtures in args: give the set as fixtures=*",
        "E *.UsageError: @pytest.mark.jobmock: --tls-cert-out in args: the server writes its "
        "certificate itself and its path is .ca_bundle*",
        "E *.UsageError: @pytest.mark.jobmock: --upstream in args: the plugin gives it to the "
        "server of this test's own set (*) itself: give --jobmock-upstream URL*",
    ])
