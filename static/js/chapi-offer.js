// The offer page's browser-wallet button (CHAPI). Progressive enhancement: the button is hidden until this
// script runs. On a click (never before: the mediator is another site) it loads the bundled
// credential-handler-polyfill, reads the offer's `protocols` from the interaction URL itself
// (Accept: application/json) and hands them to the browser wallet the person picks, through
// navigator.credentials.store(). The wallet then claims over the protocol it speaks, bound to its DID.
(function () {
  var button = document.querySelector("[data-chapi-offer]");
  if (!button) { return; }
  var status = document.getElementById("chapi-status");
  button.hidden = false;

  function say(text) { status.textContent = text; }

  function polyfillLoaded() {
    if (window.credentialHandlerPolyfill) { return Promise.resolve(window.credentialHandlerPolyfill); }
    return new Promise(function (resolve, reject) {
      var script = document.createElement("script");
      script.src = button.dataset.polyfill;
      script.onload = function () { resolve(window.credentialHandlerPolyfill); };
      script.onerror = function () { reject(new Error("the browser-wallet script could not be loaded")); };
      document.head.appendChild(script);
    });
  }

  button.addEventListener("click", function () {
    button.disabled = true;
    say("Asking your browser wallet…");
    var protocols = fetch(button.dataset.interaction, { headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) { throw new Error("this offer can no longer be claimed"); }
        return response.json();
      });
    Promise.all([polyfillLoaded(), protocols])
      .then(function (loaded) {
        var polyfill = loaded[0], offer = loaded[1];
        return polyfill.loadOnce({ mediatorOrigin: button.dataset.mediator }).then(function () {
          var presentation = {
            "@context": ["https://www.w3.org/ns/credentials/v2"],
            type: ["VerifiablePresentation"]
          };
          var credential = new window.WebCredential("VerifiablePresentation", presentation, {
            protocols: offer.protocols
          });
          return navigator.credentials.store(credential);
        });
      })
      .then(function (result) {
        say(result
          ? "Your browser wallet took the offer: it claims the credential now."
          : "No browser wallet took the offer (none is set up in this browser, or it was cancelled).");
      }, function (error) {
        say("Your browser wallet could not be reached: " + error.message + ".");
      })
      .then(function () { button.disabled = false; });
  });
})();
