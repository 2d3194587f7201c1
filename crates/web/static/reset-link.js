// The user ID step's "Reset TOTP?" and "Lupa Password?" links carry the ID being typed,
// so the form opens with it (WCAG 3.3.7). Without JavaScript they carry the kind only.
const input = document.getElementById('user_id');

for (const id of ['reset-totp-link', 'forgot-password-link']) {
  const link = document.getElementById(id);
  if (!link || !input) {
    continue;
  }
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
