// The opt-in button of the notification settings page: subscribes this browser to
// Web Push with the site's VAPID key (one subscription per browser) or removes it.
(function () {
  const button = document.getElementById("push-toggle");
  const status = document.getElementById("push-status");
  if (!button || !status) return;
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  if (!("serviceWorker" in navigator) || !("PushManager" in window) || !("Notification" in window)) {
    status.textContent = status.dataset.unsupported;
    return;
  }

  function keyBytes(base64url) {
    const padded = (base64url + "===".slice((base64url.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/");
    return Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
  }

  function post(url, body) {
    return fetch(url, {method: "POST", credentials: "same-origin", body: JSON.stringify(body),
      headers: {"Content-Type": "application/json", "X-CSRFToken": csrf}});
  }

  function show(subscribed) {
    button.hidden = false;
    button.dataset.subscribed = subscribed ? "1" : "0";
    button.textContent = subscribed ? button.dataset.labelOff : button.dataset.labelOn;
    status.textContent = subscribed ? status.dataset.on : status.dataset.off;
    if (Notification.permission === "denied") status.textContent = status.dataset.denied;
  }

  navigator.serviceWorker.register(button.dataset.workerUrl).then((registration) =>
    registration.pushManager.getSubscription().then((existing) => {
      show(Boolean(existing));
      button.addEventListener("click", async () => {
        button.disabled = true;
        try {
          const current = await registration.pushManager.getSubscription();
          if (current) {
            await post(button.dataset.unsubscribeUrl, {endpoint: current.endpoint});
            await current.unsubscribe();
            show(false);
          } else {
            const key = await (await fetch(button.dataset.keyUrl, {credentials: "same-origin"})).json();
            const subscription = await registration.pushManager.subscribe({
              userVisibleOnly: true, applicationServerKey: keyBytes(key.public_key)});
            const answer = await post(button.dataset.subscribeUrl, subscription.toJSON());
            show(answer.ok);
          }
        } catch (error) {
          status.textContent = Notification.permission === "denied" ? status.dataset.denied : String(error);
        } finally {
          button.disabled = false;
        }
      });
    })
  ).catch(() => { status.textContent = status.dataset.unsupported; });
})();
