"""The host's extra gradio components (gradio 3.41.2)."""

import gradio as gr


class FormComponent:
    def get_expected_parent(self):
        return gr.components.Form


gr.Dropdown.get_expected_parent = FormComponent.get_expected_parent


def _named(base, block_name, doc, **forced):
    """A subclass of ``base`` that gradio renders as ``block_name``, fitting inside forms."""

    def __init__(self, *args, **kwargs):
        base.__init__(self, *args, **{**kwargs, **forced})

    namespace = {"__doc__": doc, "get_block_name": lambda self: block_name}
    if forced:
        namespace["__init__"] = __init__
    return namespace


class ToolButton(FormComponent, gr.Button):
    """A small button with an emoji on it."""

    def __init__(self, *args, **kwargs):
        classes = kwargs.pop("elem_classes", [])
        super().__init__(*args, elem_classes=["tool", *classes], **kwargs)

    def get_block_name(self):
        return "button"


class ResizeHandleRow(gr.Row):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.elem_classes.append("resize-handle-row")

    def get_block_name(self):
        return "row"


FormRow = type("FormRow", (FormComponent, gr.Row), _named(gr.Row, "row", "A form row."))
FormColumn = type("FormColumn", (FormComponent, gr.Column),
                  _named(gr.Column, "column", "A form column."))
FormGroup = type("FormGroup", (FormComponent, gr.Group),
                 _named(gr.Group, "group", "A form group."))
FormHTML = type("FormHTML", (FormComponent, gr.HTML), _named(gr.HTML, "html", "Form HTML."))
FormColorPicker = type("FormColorPicker", (FormComponent, gr.ColorPicker),
                       _named(gr.ColorPicker, "colorpicker", "A form colour picker."))
DropdownMulti = type("DropdownMulti", (FormComponent, gr.Dropdown),
                     _named(gr.Dropdown, "dropdown", "Always multiselect.", multiselect=True))
DropdownEditable = type("DropdownEditable", (FormComponent, gr.Dropdown),
                        _named(gr.Dropdown, "dropdown", "Accepts typed values.",
                               allow_custom_value=True))


class InputAccordion(gr.Checkbox):
    """An accordion whose open/closed state is an input: a hidden checkbox plus the accordion
    (``with InputAccordion(...)`` fills the accordion)."""

    global_index = 0

    def __init__(self, value, **kwargs):
        self.accordion_id = kwargs.get("elem_id")
        if self.accordion_id is None:
            self.accordion_id = f"input-accordion-{InputAccordion.global_index}"
            InputAccordion.global_index += 1
        super().__init__(value, **{**kwargs, "elem_id": f"{self.accordion_id}-checkbox",
                                   "visible": False})
        self.change(fn=None, inputs=[self],
                    _js=f'function(on){{ inputAccordionChecked("{self.accordion_id}", on); }}')
        self.accordion = gr.Accordion(**{**kwargs, "elem_id": self.accordion_id,
                                         "label": kwargs.get("label", "Accordion"),
                                         "elem_classes": ["input-accordion"], "open": value})

    def extra(self):
        """A column in the accordion's label row."""
        return gr.Column(elem_id=self.accordion_id + "-extra",
                         elem_classes="input-accordion-extra", min_width=0)

    def __enter__(self):
        self.accordion.__enter__()
        return self

    def __exit__(self, exc_type, exc_val, exc_tb):
        self.accordion.__exit__(exc_type, exc_val, exc_tb)

    def get_block_name(self):
        return "checkbox"
