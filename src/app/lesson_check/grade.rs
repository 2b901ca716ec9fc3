//! `bilevel-lab lesson grade FILE` (issue 37): the links students hand in for exercises, replayed headless.
//! The file is CSV with the header `name,link` (fields quoted as CSV quotes them: links contain commas);
//! each link is `…#lesson?id=ID&step=K&view=<the student's view link, URL-encoded>`. The student's view is
//! opened from its link exactly as the app opens it, played until its numbers hold still, and the step's
//! goals are read off its report. The output is CSV with the header
//! `name,link,lesson,step,pass,measured,reason`; a malformed or foreign link gets its reason in its row.

use std::time::Duration;

use serde_json::Value;

use super::LESSON_ANCHOR;
use crate::app::headless::play;
use crate::app::view::OpenView;
use crate::lesson::{Lesson, Step};
use crate::scenario::anchor::{Anchor, decode_component};

/// One graded row.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Graded {
    pub name: String,
    pub link: String,
    pub lesson: String,
    /// From 1; 0 when the link names none.
    pub step: usize,
    pub pass: bool,
    pub measured: String,
    pub reason: String,
}

/// The student's view link checked against the step: an exercise, and a link of its view. Returns the
/// link's query.
pub fn student_query(
    step: &Step,
    index: usize,
    link: &str,
) -> Result<Vec<(String, String)>, String> {
    if !step.is_exercise() {
        return Err(format!(
            "URL parameter `view`: step {} is not an exercise",
            index + 1
        ));
    }
    let anchor = Anchor::parse(link).map_err(|e| format!("URL parameter `view`: {e}"))?;
    let want = Anchor::parse(&step.view)
        .map(|a| a.view)
        .unwrap_or_default();
    if anchor.view != want {
        return Err(format!(
            "URL parameter `view`: the exercise is on `#{want}`, the link is for `#{}`",
            anchor.view
        ));
    }
    Ok(anchor.query)
}

/// Grades one hand-in link against the lessons.
pub fn grade(
    name: &str,
    link: &str,
    lessons: &[Lesson],
    open: OpenView,
    limit: Duration,
) -> Graded {
    let mut row = Graded {
        name: name.to_owned(),
        link: link.to_owned(),
        ..Graded::default()
    };
    if let Err(reason) = grade_into(&mut row, lessons, open, limit) {
        row.pass = false;
        row.reason = reason.replace(['\n', '\r'], " ");
    }
    row
}

fn grade_into(
    row: &mut Graded,
    lessons: &[Lesson],
    open: OpenView,
    limit: Duration,
) -> Result<(), String> {
    let hash = row
        .link
        .split_once('#')
        .map(|(_, h)| h.to_owned())
        .ok_or("not a lesson link: no `#lesson?…` in it")?;
    let anchor = Anchor::parse(&hash)?;
    if anchor.view != LESSON_ANCHOR {
        return Err(format!("not a lesson link: it opens `#{}`", anchor.view));
    }
    let get = |key: &str| {
        anchor
            .query
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
    };
    let id = get("id").ok_or("the link names no lesson (`id`)")?;
    let lesson = lessons
        .iter()
        .find(|l| l.id == id)
        .ok_or_else(|| format!("no built-in lesson `{id}`"))?;
    row.lesson = id;
    let step = get("step")
        .and_then(|s| s.parse::<usize>().ok())
        .filter(|&s| (1..=lesson.steps.len()).contains(&s))
        .ok_or_else(|| format!("`step` must be in 1..={}", lesson.steps.len()))?;
    row.step = step;
    let exercise = &lesson.steps[step - 1];
    let link =
        get("view").ok_or("the link carries no `view`: copy the hand-in link from the exercise")?;
    let link = decode_component(&link).map_err(|e| format!("URL parameter `view`: {e}"))?;
    let query = student_query(exercise, step - 1, &link)?;
    let mut view = open(&Anchor::parse(&link)?.view)?;
    view.apply_query(&query)?;
    let (report, _) = play(view, limit)?;
    let values = Value::Object(report.values);
    let outcomes: Vec<_> = exercise
        .goals
        .iter()
        .map(|g| (g, g.check(&values)))
        .collect();
    row.measured = outcomes
        .iter()
        .map(|(_, o)| o.measured.clone())
        .collect::<Vec<_>>()
        .join("; ");
    row.pass = outcomes.iter().all(|(_, o)| o.passed);
    if let Some((goal, o)) = outcomes.iter().find(|(_, o)| !o.passed) {
        row.reason = format!("not yet: {} (measured {})", goal.text, o.measured);
    }
    Ok(())
}

/// Reads CSV (RFC 4180: `"` quotes a field, `""` is a quote inside one, quoted fields may hold commas
/// and line breaks) into rows of fields.
pub fn parse_csv(text: &str) -> Result<Vec<Vec<String>>, String> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let mut chars = text.chars().peekable();
    let mut quoted = false;
    let mut line = 1;
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => {
                line += usize::from(c == '\n');
                field.push(c);
            }
            (false, '"') if field.is_empty() => quoted = true,
            (false, '"') => return Err(format!("line {line}: a `\"` inside an unquoted field")),
            (false, ',') => row.push(std::mem::take(&mut field)),
            (false, '\r') => {}
            (false, '\n') => {
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
                line += 1;
            }
            (false, c) => field.push(c),
        }
    }
    if quoted {
        return Err(format!("line {line}: a quoted field is never closed"));
    }
    if !field.is_empty() || !row.is_empty() {
        row.push(field);
        rows.push(row);
    }
    rows.retain(|r| !(r.len() == 1 && r[0].trim().is_empty()));
    Ok(rows)
}

/// A CSV field, quoted when it holds a comma, a quote or a line break.
pub fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_owned()
    }
}

/// The rows of a hand-in file with its header `name,link`; the error says what is wrong with the file.
pub fn hand_ins(text: &str) -> Result<Vec<(String, String)>, String> {
    let rows = parse_csv(text)?;
    let Some((header, rows)) = rows.split_first() else {
        return Err("the file is empty: it needs the header `name,link`".to_owned());
    };
    let header: Vec<&str> = header.iter().map(|h| h.trim()).collect();
    if header != ["name", "link"] {
        return Err(format!(
            "the header must be `name,link`, got `{}`",
            header.join(",")
        ));
    }
    Ok(rows
        .iter()
        .map(|r| {
            let get = |i: usize| r.get(i).map(|f| f.trim().to_owned()).unwrap_or_default();
            (get(0), get(1))
        })
        .collect())
}

impl Graded {
    /// The output header.
    pub const HEADER: &str = "name,link,lesson,step,pass,measured,reason";

    /// The row as CSV.
    pub fn csv(&self) -> String {
        let step = if self.step == 0 {
            String::new()
        } else {
            self.step.to_string()
        };
        [
            csv_field(&self.name),
            csv_field(&self.link),
            csv_field(&self.lesson),
            step,
            self.pass.to_string(),
            csv_field(&self.measured),
            csv_field(&self.reason),
        ]
        .join(",")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::views::by_anchor;
    use crate::lesson::built_in;
    use crate::scenario::anchor::encode_component;

    const LIMIT: Duration = Duration::from_secs(60);

    /// The hand-in link of lesson `id`'s exercise at step `step` (from 1) with the student's view link.
    fn hand_in(id: &str, step: usize, view: &str) -> String {
        format!(
            "https://host/app/#lesson?id={id}&step={step}&view={}",
            encode_component(view)
        )
    }

    #[test]
    fn csv_reads_quoted_fields_and_writes_them_back() {
        let rows = parse_csv("name,link\n\"Ada, L.\",\"#a?x=1,2&q=\"\"y\"\"\"\r\nBob,#b\n\n")
            .expect("reads");
        assert_eq!(
            rows,
            vec![
                vec!["name".to_owned(), "link".to_owned()],
                vec!["Ada, L.".to_owned(), "#a?x=1,2&q=\"y\"".to_owned()],
                vec!["Bob".to_owned(), "#b".to_owned()],
            ]
        );
        assert_eq!(csv_field("a,b \"c\""), "\"a,b \"\"c\"\"\"");
        assert!(parse_csv("a,\"b\n").is_err() && parse_csv("a,b\"c\n").is_err());
        assert!(hand_ins("who,url\nx,y\n").is_err_and(|e| e.contains("`name,link`")));
        assert!(hand_ins("").is_err());
    }

    /// A solved exercise passes with its measured values; an unsolved one, a step that is no exercise,
    /// an unknown lesson, another view's link and a link that is no lesson link each fail with a reason.
    #[test]
    fn hand_in_links_are_replayed_and_graded() {
        let lessons = built_in();
        let lesson = lessons
            .iter()
            .find(|l| l.id == "nash-vs-stackelberg")
            .expect("lesson 1");
        let k = lesson
            .steps
            .iter()
            .position(Step::is_exercise)
            .expect("an exercise")
            + 1;
        let off = "runs.1.on=false&runs.2.on=false&runs.3.on=false";
        let grade_link = |link: &str| grade("Ada", link, &lessons, by_anchor, LIMIT);
        let solved = grade_link(&hand_in(
            &lesson.id,
            k,
            &format!("#playground?outer_lr=0.5&{off}&step=300"),
        ));
        assert!(solved.pass && solved.reason.is_empty(), "{solved:?}");
        assert_eq!(
            (solved.lesson.as_str(), solved.step),
            ("nash-vs-stackelberg", k)
        );
        assert!(solved.measured.starts_with("ok; "), "{solved:?}");
        let unsolved = grade_link(&hand_in(
            &lesson.id,
            k,
            &format!("#playground?outer_lr=9&{off}&step=300"),
        ));
        assert!(
            !unsolved.pass && unsolved.reason.starts_with("not yet: "),
            "{unsolved:?}"
        );
        let cases = [
            (hand_in(&lesson.id, 1, "#playground"), "not an exercise"),
            (hand_in("nowhere", 1, "#playground"), "no built-in lesson"),
            (
                hand_in(&lesson.id, k, "#stackelberg?reg=0.1"),
                "`#stackelberg`",
            ),
            (hand_in(&lesson.id, 99, "#playground"), "`step`"),
            (
                "https://host/app/#playground?x=1".to_owned(),
                "not a lesson link",
            ),
            ("no hash at all, just text".to_owned(), "not a lesson link"),
            (format!("#lesson?id={}&step={k}", lesson.id), "no `view`"),
            (
                format!("#lesson?id={}&step={k}&view=%zz", lesson.id),
                "`view`",
            ),
            (
                hand_in(&lesson.id, k, "#playground?outer_lr=oops"),
                "outer_lr",
            ),
        ];
        for (link, words) in cases {
            let row = grade_link(&link);
            assert!(!row.pass && row.reason.contains(words), "{link}: {row:?}");
            assert!(!row.csv().contains('\n'), "one line per row: {row:?}");
        }
    }
}
