// Keyframes tab: only what gradio cannot do by itself.
//  - hover help on every control, from the schema's help (read from #keyframes_help);
//  - the plan is redrawn shortly after the user stops typing (debounced), with the edited
//    field highlighted in the plot;
//  - Ctrl+Enter generates (inside the WebUI its own shortcut does it; this file only adds it
//    where the WebUI's is missing, e.g. the standalone page).
// The WebUI loads this file into every page; it works with gradio 3.41 and does nothing harmful
// where the tab is missing (gradio 4 / Forge show a message tab instead).
(function () {
    "use strict";
    if (window.keyframesTabLoaded) {
        return;
    }
    window.keyframesTabLoaded = true;

    var REPLAN_DELAY_MS = 700;
    var PREFIX = "keyframes_";
    var helpById = null;
    var replanTimer = null;
    var lastEdited = "";

    function root() {
        if (typeof gradioApp === "function") {
            return gradioApp();
        }
        var app = document.querySelector("gradio-app");
        return (app && app.shadowRoot) || document;
    }

    function byId(id) {
        return root().querySelector("#" + id);
    }

    function readHelp() {
        if (helpById) {
            return helpById;
        }
        var holder = root().querySelector("[data-keyframes-help]");
        if (!holder) {
            return null;
        }
        try {
            helpById = JSON.parse(holder.getAttribute("data-keyframes-help"));
        } catch (error) {
            helpById = {};
        }
        return helpById;
    }

    // Hover help: the title of each control's block (set on hover too, for late-made blocks).
    function applyHelp() {
        var help = readHelp();
        if (!help) {
            return false;
        }
        Object.keys(help).forEach(function (id) {
            var element = byId(id);
            if (element && !element.title) {
                element.title = help[id];
            }
        });
        return true;
    }

    function fieldOf(node) {
        var help = readHelp();
        while (node && node.nodeType === 1) {
            if (node.id && node.id.indexOf(PREFIX) === 0 && help && help[node.id]) {
                return node;
            }
            node = node.parentNode || node.host;
        }
        return null;
    }

    function eventTarget(event) {
        return event.composedPath ? event.composedPath()[0] : event.target;
    }

    function onHover(event) {
        var field = fieldOf(eventTarget(event));
        if (field && !field.title) {
            field.title = readHelp()[field.id];
        }
    }

    // Debounced plan refresh after an edit in the settings column.
    function setEdited(name) {
        var box = byId("keyframes_edited");
        var input = box && box.querySelector("textarea, input");
        if (!input) {
            return;
        }
        input.value = name;
        input.dispatchEvent(new Event("input", {bubbles: true}));
    }

    function replanSoon(name) {
        if (name) {
            lastEdited = name;
        }
        clearTimeout(replanTimer);
        replanTimer = setTimeout(function () {
            setEdited(lastEdited);
            setTimeout(function () {
                var button = byId("keyframes_replan");
                if (button) {
                    button.click();
                }
            }, 30);
        }, REPLAN_DELAY_MS);
    }

    function onEdit(event) {
        var target = eventTarget(event);
        var settings = byId("keyframes_settings");
        if (!settings || !target || !settings.contains(target)) {
            return;
        }
        var field = fieldOf(target);
        replanSoon(field ? field.id.substring(PREFIX.length) : "");
    }

    function tabVisible() {
        var button = byId("keyframes_generate");
        return button && button.offsetParent !== null ? button : null;
    }

    function onKey(event) {
        if (!(event.key === "Enter" && (event.ctrlKey || event.metaKey))) {
            return;
        }
        if (typeof get_uiCurrentTabContent === "function") {
            return; // inside the WebUI, its own Ctrl+Enter clicks #keyframes_generate
        }
        var button = tabVisible();
        if (button) {
            event.preventDefault();
            button.click();
        }
    }

    document.addEventListener("input", onEdit, true);
    document.addEventListener("change", onEdit, true);
    document.addEventListener("keydown", onKey, true);
    document.addEventListener("mouseover", onHover, true);

    var tries = 0;
    var timer = setInterval(function () {
        tries += 1;
        if (applyHelp() || tries > 120) {
            clearInterval(timer);
        }
    }, 500);
    if (typeof onUiLoaded === "function") {
        onUiLoaded(applyHelp);
    }
})();
