// The service worker of the notifications plugin: shows a pushed notification and
// opens its page when it is clicked.
self.addEventListener("push", (event) => {
  let data = {};
  try { data = event.data ? event.data.json() : {}; } catch (e) { data = {title: event.data.text()}; }
  event.waitUntil(self.registration.showNotification(data.title || "", {
    body: data.body || "", data: {url: data.url || "/"}, tag: data.url || undefined,
  }));
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const url = (event.notification.data && event.notification.data.url) || "/";
  event.waitUntil(self.clients.openWindow(url));
});
