// Waits for SPSE Authenticator (server-sent events) and moves on by itself.
// Without JavaScript the page refreshes itself instead (a <noscript> meta refresh); so
// does it when the server refuses the stream (429 past the bound on open streams), since
// the browser then gives up on the stream for good.
(function () {
  'use strict';
  var box = document.getElementById('waiting');
  if (!box || !('EventSource' in window)) {
    return;
  }
  var source = new EventSource(box.getAttribute('data-events'));
  source.addEventListener('done', function () {
    source.close();
    window.location.assign(box.getAttribute('data-next'));
  });
  source.addEventListener('error', function () {
    if (source.readyState === EventSource.CLOSED) {
      window.setTimeout(function () {
        window.location.assign(box.getAttribute('data-next'));
      }, 5000);
    }
  });
})();
