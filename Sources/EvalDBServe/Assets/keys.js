// evaldb serve: the keys of the review pages. No framework and no build step. Each element a
// key acts on names it in data-key="KEY ...": a form is submitted, a field gets the focus, a link
// is followed. Keys do nothing while a text field has the focus (Esc leaves it; Ctrl+Enter
// submits its form). The page works without this script, by clicking.
"use strict";
(function () {
  var busy = false;

  function isField(element) {
    if (!element || !element.tagName) return false;
    var tag = element.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || element.isContentEditable;
  }

  function target(name) {
    var elements = document.querySelectorAll("[data-key]");
    for (var i = 0; i < elements.length; i++) {
      if (elements[i].getAttribute("data-key").split(" ").indexOf(name) >= 0) return elements[i];
    }
    return null;
  }

  function toggleHelp() {
    var help = document.getElementById("help");
    if (help) help.hidden = !help.hidden;
  }

  function unfold() {
    var folds = document.querySelectorAll("details");
    for (var i = 0; i < folds.length; i++) folds[i].open = true;
  }

  function submit(form) {
    if (busy) return;
    busy = true;
    if (form.requestSubmit) form.requestSubmit(); else form.submit();
  }

  document.addEventListener("keydown", function (event) {
    if (event.isComposing) return;
    var active = document.activeElement;
    if (isField(event.target) || isField(active)) {
      if (event.key === "Escape") {
        active.blur();
        event.preventDefault();
      } else if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && active.form) {
        event.preventDefault();
        submit(active.form);
      }
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    var name = event.key === " " ? "Space" : event.key;
    // Enter or space on a focused link, button or fold does what it does there.
    if ((name === "Enter" || name === "Space") && active && /^(A|BUTTON|SUMMARY)$/.test(active.tagName)) return;
    if (name === "?") {
      event.preventDefault();
      toggleHelp();
      return;
    }
    if (name === "Escape") {
      var help = document.getElementById("help");
      if (help) help.hidden = true;
      return;
    }
    var element = target(name);
    if (!element || busy) return;
    event.preventDefault();
    if (element.getAttribute("data-action") === "unfold") {
      unfold();
    } else if (element.tagName === "FORM") {
      submit(element);
    } else if (isField(element)) {
      element.focus();
      if (element.tagName === "TEXTAREA") {
        element.setSelectionRange(element.value.length, element.value.length);
      } else if (element.select) {
        element.select();
      }
    } else {
      busy = element.tagName === "A";
      element.click();
    }
  });

  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("[data-action]") : null;
    if (!button) return;
    var action = button.getAttribute("data-action");
    if (action === "help") toggleHelp();
    if (action === "unfold") unfold();
  });

  document.addEventListener("submit", function () {
    busy = true;
  });

  // A page shown again from the history can take keys again.
  window.addEventListener("pageshow", function () {
    busy = false;
  });
})();
