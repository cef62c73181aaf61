//! HTML that cannot carry markup from data: a page is built from literal tags (`&'static str`)
//! and values that go in only through [`Html::text`] and attribute values, which escape them.
//! Fixtures are customers' data, or worse; none of it can become an element, an attribute or a
//! script, whatever it holds.

/// A page being written.
#[derive(Default)]
pub struct Html {
    out: String,
}

impl Html {
    pub fn new() -> Html {
        Html::default()
    }

    /// Literal markup, written by this program (never data).
    pub fn raw(&mut self, markup: &'static str) -> &mut Html {
        self.out.push_str(markup);
        self
    }

    /// A value, as text.
    pub fn text(&mut self, value: &str) -> &mut Html {
        escape_into(&mut self.out, value);
        self
    }

    /// `<tag name="value" …>`: the names are this program's, the values escaped.
    pub fn open(&mut self, tag: &'static str, attributes: &[(&'static str, &str)]) -> &mut Html {
        self.out.push('<');
        self.out.push_str(tag);
        for (name, value) in attributes {
            self.out.push(' ');
            self.out.push_str(name);
            self.out.push_str("=\"");
            escape_into(&mut self.out, value);
            self.out.push('"');
        }
        self.out.push('>');
        self
    }

    pub fn close(&mut self, tag: &'static str) -> &mut Html {
        self.out.push_str("</");
        self.out.push_str(tag);
        self.out.push('>');
        self
    }

    /// `<tag …>text</tag>`.
    pub fn element(
        &mut self,
        tag: &'static str,
        attributes: &[(&'static str, &str)],
        text: &str,
    ) -> &mut Html {
        self.open(tag, attributes).text(text).close(tag)
    }

    pub fn finish(self) -> String {
        self.out
    }
}

/// `value` with every character that means something in HTML (text or a quoted attribute)
/// written as a reference; control characters but tab and line breaks dropped.
fn escape_into(out: &mut String, value: &str) {
    for c in value.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_never_becomes_markup() {
        let mut html = Html::new();
        html.open("p", &[("title", "\"><img src=x onerror=alert(1)>")])
            .text("<script>alert('x')</script> & \u{0}")
            .close("p");
        assert_eq!(
            html.finish(),
            "<p title=\"&quot;&gt;&lt;img src=x onerror=alert(1)&gt;\">&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; </p>"
        );
    }
}
