// "Gambar lain" with JavaScript: a new captcha in place, so the fields typed stay.
// Without JavaScript the button posts the form back, and the server shows it again
// with the fields kept and a new picture. The sound follows the picture's id: both
// give the one answer of that id.
const button = document.getElementById('captcha-refresh');
const id = document.getElementById('captcha-id');
const image = document.getElementById('captcha-image');
const audio = document.getElementById('captcha-audio');
const typed = document.getElementById('captcha');

if (button && id && image && audio && typed && window.crypto && crypto.getRandomValues) {
  button.addEventListener('click', (event) => {
    event.preventDefault();
    const random = crypto.getRandomValues(new Uint8Array(16));
    const fresh = Array.from(random, (b) => b.toString(16).padStart(2, '0')).join('');
    id.value = fresh;
    image.src = '/captcha?id=' + fresh;
    audio.pause();
    audio.src = '/captcha/audio?id=' + fresh;
    typed.value = '';
  });
}
