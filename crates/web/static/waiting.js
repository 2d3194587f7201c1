// Waits for SPSE Authenticator (server-sent events) and moves on by itself.
// Without JavaScript the page refreshes itself instead (a <noscript> meta refresh).
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
})();
