// The fake WebUI's own page script: the helpers the host's script.js gives every extension's
// JavaScript, under the host's names, with the host's behaviour:
//  - gradioApp(): the root to query (the gradio-app element's shadow root, or the element, or
//    the document);
//  - get_uiCurrentTab() / get_uiCurrentTabContent(): the selected top tab's button / content;
//  - onUiUpdate(cb) (cb gets the mutation records), onAfterUiUpdate(cb) (once, 200 ms after a
//    burst of changes), onUiLoaded(cb) (once, when #txt2img_prompt first exists),
//    onUiTabChange(cb), onOptionsChanged(cb); a failing callback is logged, the others run;
//  - keys: Ctrl+Enter clicks the current tab's Generate, Alt+Enter its Skip, Escape its
//    Interrupt (when that button is shown);
//  - uiElementIsVisible(el), uiElementInSight(el).
// fake-only: the host's other page scripts (javascript/*.js of its root) are not faked.

function gradioApp() {
    var app = document.getElementsByTagName("gradio-app")[0];
    if (!app) {
        return document;
    }
    app.getElementById = function (id) {
        return document.getElementById(id);
    };
    return app.shadowRoot || app;
}

function get_uiCurrentTab() {
    return gradioApp().querySelector("#tabs > .tab-nav > button.selected");
}

function get_uiCurrentTabContent() {
    return gradioApp().querySelector('#tabs > .tabitem[id^=tab_]:not([style*="display: none"])');
}

var uiUpdateCallbacks = [];
var uiAfterUpdateCallbacks = [];
var uiLoadedCallbacks = [];
var uiTabChangeCallbacks = [];
var optionsChangedCallbacks = [];
var uiAfterUpdateTimeout = null;
var uiCurrentTab = null;
var executedOnLoaded = false;

function onUiUpdate(callback) {
    uiUpdateCallbacks.push(callback);
}

function onAfterUiUpdate(callback) {
    uiAfterUpdateCallbacks.push(callback);
}

function onUiLoaded(callback) {
    uiLoadedCallbacks.push(callback);
}

function onUiTabChange(callback) {
    uiTabChangeCallbacks.push(callback);
}

function onOptionsChanged(callback) {
    optionsChangedCallbacks.push(callback);
}

function executeCallbacks(queue, arg) {
    queue.forEach(function (callback) {
        try {
            callback(arg);
        } catch (error) {
            console.error("error running callback", callback, ":", error);
        }
    });
}

function scheduleAfterUiUpdateCallbacks() {
    clearTimeout(uiAfterUpdateTimeout);
    uiAfterUpdateTimeout = setTimeout(function () {
        executeCallbacks(uiAfterUpdateCallbacks);
    }, 200);
}

document.addEventListener("DOMContentLoaded", function () {
    new MutationObserver(function (mutations) {
        if (!executedOnLoaded && gradioApp().querySelector("#txt2img_prompt")) {
            executedOnLoaded = true;
            executeCallbacks(uiLoadedCallbacks);
        }
        executeCallbacks(uiUpdateCallbacks, mutations);
        scheduleAfterUiUpdateCallbacks();
        var tab = get_uiCurrentTab();
        if (tab && tab !== uiCurrentTab) {
            uiCurrentTab = tab;
            executeCallbacks(uiTabChangeCallbacks);
        }
    }).observe(gradioApp(), {childList: true, subtree: true});
});

document.addEventListener("keydown", function (event) {
    var enter = event.key === "Enter" || event.keyCode === 13;
    var content = get_uiCurrentTabContent();
    var generate = content.querySelector("button[id$=_generate]");
    var interrupt = content.querySelector("button[id$=_interrupt]");
    var skip = content.querySelector("button[id$=_skip]");

    if (enter && (event.metaKey || event.ctrlKey)) {
        if (interrupt.style.display === "block") {
            interrupt.click();
            var watcher = new MutationObserver(function () {
                if (interrupt.style.display === "none") {
                    generate.click();
                    watcher.disconnect();
                }
            });
            watcher.observe(interrupt, {attributes: true, attributeFilter: ["style"]});
        } else {
            generate.click();
        }
        event.preventDefault();
    }
    if (enter && event.altKey) {
        skip.click();
        event.preventDefault();
    }
    if (event.key === "Escape") {
        var popup = document.querySelector(".global-popup");
        var lightbox = document.querySelector("#lightboxModal");
        var popupShown = popup && popup.style.display !== "none";
        if (!popupShown && document.activeElement !== lightbox
                && interrupt.style.display === "block") {
            interrupt.click();
            event.preventDefault();
        }
    }
});

function uiElementIsVisible(el) {
    if (el === document) {
        return true;
    }
    if (getComputedStyle(el).display === "none") {
        return false;
    }
    return uiElementIsVisible(el.parentNode);
}

function uiElementInSight(el) {
    var rect = el.getBoundingClientRect();
    return rect.bottom > 0 && rect.top < window.innerHeight;
}
