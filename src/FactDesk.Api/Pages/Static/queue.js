// Keeps the review queue current without a reload: the live feed says which claims changed, and the rows are fetched
// again as server-rendered HTML (already encoded there). Where the feed is unavailable, the rows are polled instead.
(function () {
  'use strict';
  var rows = document.getElementById('queue-rows');
  var filters = document.getElementById('queue-filters');
  var status = document.getElementById('queue-updated');
  if (!rows || !filters) return;

  var timer = null;
  var polling = null;

  function query() {
    return new URLSearchParams(new FormData(filters)).toString();
  }

  function refresh() {
    return fetch('/queue/rows?' + query(), { credentials: 'same-origin', headers: { Accept: 'text/html' } })
      .then(function (response) {
        // A redirect means the session ended: reload so the sign-in page shows.
        if (response.redirected) { window.location.reload(); return null; }
        return response.ok ? response.text() : null;
      })
      .then(function (html) {
        if (html === null) return;
        rows.innerHTML = html;
        if (status) status.textContent = 'Updated at ' + new Date().toLocaleTimeString();
      })
      .catch(function () { /* the next change or poll tries again */ });
  }

  function soon() {
    if (timer) return;
    timer = setTimeout(function () { timer = null; refresh(); }, 200);
  }

  function poll() {
    if (!polling) polling = setInterval(refresh, Number(rows.getAttribute('data-poll-ms')) || 5000);
  }

  filters.addEventListener('change', function () {
    window.history.replaceState(null, '', '/?' + query());
    soon();
  });

  if ('EventSource' in window) {
    var feed = new EventSource('/api/queue/events');
    feed.addEventListener('claim-changed', soon);
    feed.addEventListener('resync', soon);
    feed.addEventListener('open', function () {
      if (polling) { clearInterval(polling); polling = null; }
    });
    feed.addEventListener('error', function () {
      if (feed.readyState === EventSource.CLOSED) poll();
    });
  } else {
    poll();
  }
})();
