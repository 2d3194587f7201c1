// Reading the activation QR code: from the camera, or from a photo or screenshot. The
// browser's own BarcodeDetector is used where it exists (Android's Chrome: the
// platform's detector, strong on photos of screens), the vendored jsQR everywhere else
// (iPhone's Safari, desktop browsers). jsQR is a classic script: window.jsQR.

const MAX_SIDE = 1280;

let detector = null;
async function nativeDetector() {
  if (detector !== null) return detector;
  detector = false;
  if ("BarcodeDetector" in window) {
    try {
      const formats = await window.BarcodeDetector.getSupportedFormats();
      if (formats.includes("qr_code")) {
        detector = new window.BarcodeDetector({ formats: ["qr_code"] });
      }
    } catch {
      detector = false;
    }
  }
  return detector;
}

function drawScaled(source, width, height, canvas) {
  const scale = Math.min(1, MAX_SIDE / Math.max(width, height));
  canvas.width = Math.max(1, Math.round(width * scale));
  canvas.height = Math.max(1, Math.round(height * scale));
  const context = canvas.getContext("2d", { willReadFrequently: true });
  context.drawImage(source, 0, 0, canvas.width, canvas.height);
  return context.getImageData(0, 0, canvas.width, canvas.height);
}

async function decodeSource(source, width, height, canvas) {
  const native = await nativeDetector();
  if (native) {
    try {
      const found = await native.detect(source);
      if (found.length > 0) return found[0].rawValue;
    } catch {
      // Fall through to jsQR.
    }
  }
  if (typeof window.jsQR !== "function") return null;
  const pixels = drawScaled(source, width, height, canvas);
  const found = window.jsQR(pixels.data, pixels.width, pixels.height, {
    inversionAttempts: "attemptBoth",
  });
  return found ? found.data : null;
}

/** The text of the QR code in an image file, or null. */
export async function decodeFile(file) {
  const bitmap = await createImageBitmap(file);
  try {
    return await decodeSource(bitmap, bitmap.width, bitmap.height, document.createElement("canvas"));
  } finally {
    bitmap.close();
  }
}

/** Starts the back camera in `video` and calls `found(text)` once a QR code is read;
 * returns a function that stops the camera. */
export async function startCamera(video, found) {
  const stream = await navigator.mediaDevices.getUserMedia({
    video: { facingMode: { ideal: "environment" } },
    audio: false,
  });
  video.srcObject = stream;
  video.setAttribute("playsinline", "");
  video.muted = true;
  await video.play();
  const canvas = document.createElement("canvas");
  let running = true;
  const stop = () => {
    running = false;
    for (const track of stream.getTracks()) track.stop();
    video.srcObject = null;
  };
  const tick = async () => {
    if (!running) return;
    if (video.readyState >= 2 && video.videoWidth > 0) {
      const text = await decodeSource(video, video.videoWidth, video.videoHeight, canvas);
      if (text && running) {
        stop();
        found(text);
        return;
      }
    }
    setTimeout(tick, 150);
  };
  tick();
  return stop;
}
