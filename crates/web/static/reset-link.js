// The user ID step's "Reset TOTP?" link carries the ID being typed, so the reset form
// opens with it (WCAG 3.3.7). Without JavaScript the link carries the kind only.
const link = document.getElementById('reset-totp-link');
const input = document.getElementById('user_id');

if (link && input) {
  const base = new URL(link.href);
  const update = () => {
    const url = new URL(base.href);
    const typed = input.value.trim();
    if (typed) {
      url.searchParams.set('user_id', typed);
    } else {
      url.searchParams.delete('user_id');
    }
    link.href = url.pathname + url.search;
  };
  input.addEventListener('input', update);
  update();
}
