"""What both bench scripts do with a server they started: stop it."""

import subprocess


def stop(process):
    """Asks `process` to stop (SIGTERM, as Ctrl-C would), and kills it if it has not within 15 s."""
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
