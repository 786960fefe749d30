"""`shequn serve`: migrate, collect static files when they changed, then serve the site with
waitress (a production WSGI server, pure Python) and, by default, run the job consumer in the
same process — the embedded default of DESIGN.md §1. docs/deploy.md."""

from __future__ import annotations

import hashlib
import signal
from collections.abc import Callable
from pathlib import Path
from typing import Any

STAMP = ".shequn-static"


def _interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


def static_fingerprint() -> str:
    """Changes whenever a static file the site serves could have changed: shequn's own files
    and the versions of the packages whose files it serves (plotly, ninja, django-htmx)."""
    from importlib.metadata import version

    import shequn

    digest = hashlib.sha256()
    for dist in ("django", "django-ninja", "django-htmx", "plotly"):
        digest.update(f"{dist}={version(dist)};".encode())
    root = Path(shequn.__file__).parent
    for path in sorted(root.glob("apps/*/static/**/*")):
        if path.is_file():
            stat = path.stat()
            digest.update(f"{path.relative_to(root)}:{stat.st_size}:{stat.st_mtime_ns};".encode())
    return digest.hexdigest()


def collectstatic_if_needed(say: Callable[[str], None] = print) -> bool:
    from django.conf import settings
    from django.core.management import call_command

    root = Path(settings.STATIC_ROOT)
    stamp = root / STAMP
    want = static_fingerprint()
    if stamp.exists() and stamp.read_text() == want:
        return False
    say("收集静态文件 collecting static files …")
    call_command("collectstatic", interactive=False, verbosity=0, clear=True)
    stamp.write_text(want)
    return True


def serve(
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    threads: int = 8,
    jobs: bool = True,
    say: Callable[[str], None] = print,
) -> None:
    from shequn.server.bootstrap import setup_django

    setup_django(migrate=True)
    collectstatic_if_needed(say)
    from huey.contrib.djhuey import HUEY
    from waitress import create_server

    from shequn.server.wsgi import application

    consumer: Any = None
    if jobs:
        # start() runs the workers and the scheduler in threads without taking over the
        # process' signals; waitress keeps the main thread.
        consumer = HUEY.create_consumer(workers=2, worker_type="thread", periodic=True)
        consumer.start()
        # start() installed huey's own handlers, which only set a flag its run() loop reads;
        # here SIGTERM and SIGINT must stop the web server, which then stops the consumer.
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGTERM, _interrupt)
    server: Any = create_server(application, host=host, port=port, threads=threads)
    shown = f"[{host}]" if ":" in host else host
    say(f"shequn 已启动 serving on http://{shown}:{server.effective_port}/  (Ctrl+C 停止)")
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
        if consumer is not None:
            consumer.stop(graceful=True)
