// The console works without this script; it only counts down the time left
// and refreshes the pending list so a new request shows up on its own.
(function () {
  function tick() {
    document.querySelectorAll('[data-expires]').forEach(function (el) {
      var ms = Date.parse(el.getAttribute('data-expires')) - Date.now();
      if (ms <= 0) { el.textContent = 'expired'; return; }
      var s = Math.floor(ms / 1000), m = Math.floor(s / 60), h = Math.floor(m / 60);
      el.textContent = (h ? h + 'h' : '') + (m % 60) + 'm' + (s % 60) + 's';
    });
  }
  setInterval(tick, 1000);
  var list = document.getElementById('pending');
  if (list) {
    setInterval(function () {
      // Refresh only while the person is not typing in a form.
      if (document.activeElement && document.activeElement.tagName === 'INPUT') return;
      fetch(location.href, { credentials: 'same-origin' }).then(function (r) { return r.text(); }).then(function (html) {
        var doc = new DOMParser().parseFromString(html, 'text/html');
        var fresh = doc.getElementById('pending');
        if (fresh) { list.innerHTML = fresh.innerHTML; tick(); }
      }).catch(function () {});
    }, 1000 * Number(list.getAttribute('data-refresh') || 5));
  }
  document.querySelectorAll('button.deny').forEach(function (b) {
    b.addEventListener('click', function (e) {
      var reason = document.getElementById('reason');
      if (reason && !reason.value.trim()) { e.preventDefault(); reason.focus(); reason.placeholder = 'Say why you deny it'; }
    });
  });
})();
