"""The coordinator's desk: ``gongkai-xlsx ui [工作文件夹]``, the whole January from a page of
a local browser, served on 127.0.0.1 only.

Flask (Werkzeug's multipart parser with its limits, Jinja2 with autoescape on every
template), served by waitress: both maintained, pure Python, and run on Windows. The desk
sits above :mod:`gongkai_xlsx.api` and below the CLI: it calls the api's functions and shows
their typed results (the ingest's :class:`~gongkai_xlsx.api.BatchReport`), never counting
or wording a status itself.

The modules:

- :mod:`.workfolder`: the work folder's layout, safe upload names, downloads that stay in it;
- :mod:`.security`: the token → cookie exchange, Host, CSRF and Origin checks, the headers;
- :mod:`.jobs`: the one queue every long piece of work runs in, with its progress;
- :mod:`.base`: :class:`Desk` (the running desk), :class:`Step`, the helpers views call;
- :mod:`.app`: :func:`create_app`, the common pages (home, download, 退出, errors);
- :mod:`.server`: one server per work folder (lock and state file), waitress, stopping;
- one module per step: :mod:`.collect` (3 收集报表)…
- ``templates/`` (Jinja2) and ``static/`` (CSS and plain-ES5 JS files: the
  Content-Security-Policy allows no inline script or style).

How to add a step (say 5, 汇总):

1. A module ``desk/summary.py`` with a :class:`flask.Blueprint` and, at its end,
   ``STEP = Step(5, "summary", "汇总", blueprint)`` (:class:`.base.Step`; ``on_start`` for
   work to queue when the server starts). The blueprint is mounted at ``/summary``; its
   ``index`` view is what the navigation links to.
2. List the module in :func:`.app.steps`.
3. A template ``templates/summary.html`` that ``{% extends "base.html" %}`` and fills
   ``{% block content %}``; render it with ``render("summary.html", "summary", **context)``
   (:func:`.base.render`), which marks the step in the navigation. Texts are escaped by
   Jinja; names and messages go through the ``shown`` filter (control and bidi characters
   escaped as the terminal shows them).
4. Every form that POSTs carries ``<input type="hidden" name="{{ csrf_field }}"
   value="{{ csrf_token }}">``; a script's request goes through ``gkDesk.request`` (static
   ``desk.js``), which sends the token in ``X-CSRF-Token`` and asks for JSON
   (:func:`.base.wants_json`). Scripts and styles are files in ``static/``, linked from the
   template's ``{% block head %}``; no ``style=`` or ``on…=`` attributes. After a plain form
   POST, redirect (303) and say what happened with :func:`.base.notify`; the page shows
   :func:`.base.take_notices` once (``notices=`` in the context, as :mod:`.collect` does).
5. Long work is a job: ``desk().jobs.submit(kind, "生成模板", work)`` where ``work(job)``
   calls the api with ``progress=job.progress`` (a job cancelled on 退出 then stops as
   Ctrl-C stops the terminal's command); the page polls a small JSON view (see
   ``static/collect.js``). The last check's typed report is ``desk().report``, and
   ``desk().version`` counts the checks; :func:`.collect.queue_check` queues one (a step
   that changes what ingest reads, such as a new roster, calls it).
6. Files: read and write the work folder through :class:`.workfolder.WorkFolder`
   (``folder.save`` for an upload, ``folder.templates``… for the places); a download link is
   ``url_for("desk.download", relative=folder.relative(path))``.
7. Tests use :func:`.app.create_app` with a token and a port, and Flask's test client with
   ``base_url="http://127.0.0.1:PORT"`` (see tests/test_desk_security.py's ``client``).
"""

from __future__ import annotations

from gongkai_xlsx.desk.app import create_app, steps
from gongkai_xlsx.desk.base import Desk, Step
from gongkai_xlsx.desk.workfolder import WorkFolder

__all__ = ["Desk", "Step", "WorkFolder", "create_app", "steps"]
