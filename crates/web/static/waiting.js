// Waits for SPSE Authenticator (server-sent events) and moves on by itself; shows the
// time left and warns a minute before the end (WCAG 2.2.1). A code typed meanwhile is
// kept across the page's reload (sessionStorage, this tab only), so the move never
// wipes it. Without JavaScript nothing reloads by itself: the page offers "Periksa
// lagi" and the code form, so a code being typed is never wiped.
(function () {
  'use strict';
  var box = document.getElementById('waiting');
  var code = document.getElementById('code');
  var KEY = 'spse-typed-code';
  if (code && window.sessionStorage) {
    var kept = window.sessionStorage.getItem(KEY);
    if (kept && !code.value) {
      code.value = kept;
    }
    window.sessionStorage.removeItem(KEY);
  }
  if (!box) {
    return;
  }
  function moveOn() {
    if (code && code.value && window.sessionStorage) {
      window.sessionStorage.setItem(KEY, code.value);
    }
    window.location.assign(box.getAttribute('data-next'));
  }
  var left = parseInt(box.getAttribute('data-expires-in'), 10);
  var shown = document.getElementById('time-left');
  var warning = document.getElementById('time-warning');
  var lang = document.documentElement.lang;
  function words(seconds) {
    var m = Math.floor(seconds / 60), s = seconds % 60;
    var pad = s < 10 ? '0' + s : '' + s;
    return (box.getAttribute('data-left-label') || '') + ' ' + m + ':' + pad;
  }
  if (!isNaN(left) && shown) {
    var deadline = Date.now() + left * 1000;
    var tick = function () {
      var now = Math.max(0, Math.round((deadline - Date.now()) / 1000));
      shown.textContent = words(now);
      if (now <= 60 && warning && !warning.textContent) {
        warning.textContent = warning.getAttribute('data-warning') || (lang === 'en'
          ? 'Less than a minute left.'
          : 'Waktu tinggal kurang dari satu menit.');
      }
      if (now > 0) {
        window.setTimeout(tick, 1000);
      }
    };
    tick();
  }
  if (!('EventSource' in window)) {
    return;
  }
  var source = new EventSource(box.getAttribute('data-events'));
  source.addEventListener('done', function () {
    source.close();
    moveOn();
  });
  source.addEventListener('error', function () {
    if (source.readyState === EventSource.CLOSED) {
      window.setTimeout(moveOn, 5000);
    }
  });
})();
