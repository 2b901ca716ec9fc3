//! Courses (issue 37): an ordered list of lessons' steps presented as one lesson, e.g. a 50-minute
//! lecture. A course file is plain text, documented in `docs/lessons.md`:
//!
//! ```text
//! # Stackelberg dynamics in 50 minutes    ← the title
//! id: stackelberg-in-50                    ← lowercase letters, digits, `-`
//! summary: One lecture from the lessons.
//!
//! lesson: the-core 1-3                     ← a built-in lesson's id and its steps (from 1): `2`, `1-3`,
//! lesson: nash-vs-stackelberg 3, 5         ←   `2, 4`; no steps: all of them
//! ```
//!
//! Its minutes are not written: they are its steps' minutes by the lessons' rule ([`step_minutes`]), so
//! they add up by construction.

use super::model::{Lesson, LessonError, Step, error, field, nonempty};

/// A step's minutes in class (the rule every built-in lesson's `minutes` follows, `docs/lessons.md`): 2
/// for a step the lecturer shows and explains, 3 for one with a question the class answers first, 5 for
/// an exercise the students solve.
pub fn step_minutes(step: &Step) -> u32 {
    if step.is_exercise() {
        5
    } else if step.question.is_some() {
        3
    } else {
        2
    }
}

/// A lesson's minutes by [`step_minutes`].
pub fn minutes(steps: &[Step]) -> u32 {
    steps.iter().map(step_minutes).sum()
}

/// A course as its file reads: title, id, summary and (line, lesson id, steps from 0).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Course {
    pub id: String,
    pub title: String,
    pub summary: String,
    pub parts: Vec<(usize, String, Option<Vec<usize>>)>,
}

impl Course {
    /// Parses a course file; the error names the line and the field.
    pub fn parse(text: &str) -> Result<Self, LessonError> {
        let (mut id, mut title, mut summary, mut parts) = (None, None, String::new(), Vec::new());
        for (i, raw) in text.lines().enumerate() {
            let n = i + 1;
            let line = raw.trim();
            if line.is_empty() {
                continue;
            }
            if let Some(rest) = line.strip_prefix("# ") {
                title = Some(nonempty(n, "title", rest)?);
                continue;
            }
            let Some((key, value)) = field(line) else {
                return Err(error(
                    n,
                    "line",
                    format!("expected `key: value`, got `{line}`"),
                ));
            };
            match key {
                "id" => id = Some(nonempty(n, "id", value)?),
                "summary" => summary = value.to_owned(),
                "lesson" => {
                    let (lesson, steps) = value.split_once(' ').unwrap_or((value, ""));
                    parts.push((n, nonempty(n, "lesson", lesson)?, steps_of(n, steps)?));
                }
                _ => {
                    return Err(error(
                        n,
                        "line",
                        format!("a course takes `id`, `summary` and `lesson`, got `{key}`"),
                    ));
                }
            }
        }
        let title = title.ok_or_else(|| error(1, "title", "the course needs a `# title` line"))?;
        let id = id.ok_or_else(|| error(1, "id", "the course needs an `id:` line"))?;
        if parts.is_empty() {
            return Err(error(
                1,
                "lesson",
                "a course needs at least one `lesson:` line",
            ));
        }
        Ok(Self {
            id,
            title,
            summary,
            parts,
        })
    }

    /// The course as one lesson: the named lessons' steps in order, its minutes theirs by the rule.
    pub fn expand(&self, lessons: &[Lesson]) -> Result<Lesson, LessonError> {
        let mut steps = Vec::new();
        for (line, id, picked) in &self.parts {
            let lesson = lessons
                .iter()
                .find(|l| &l.id == id)
                .ok_or_else(|| error(*line, "lesson", format!("no built-in lesson `{id}`")))?;
            let all: Vec<usize> = (0..lesson.steps.len()).collect();
            for &k in picked.as_ref().unwrap_or(&all) {
                let step = lesson.steps.get(k).ok_or_else(|| {
                    error(
                        *line,
                        "lesson",
                        format!("`{id}` has steps 1–{}, not {}", lesson.steps.len(), k + 1),
                    )
                })?;
                steps.push(step.clone());
            }
        }
        Ok(Lesson {
            id: self.id.clone(),
            title: self.title.clone(),
            summary: self.summary.clone(),
            minutes: minutes(&steps),
            steps,
        })
    }
}

/// `1-3, 5` → [0, 1, 2, 4]; empty → all.
fn steps_of(n: usize, text: &str) -> Result<Option<Vec<usize>>, LessonError> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let number = |s: &str| {
        s.trim()
            .parse::<usize>()
            .ok()
            .filter(|&k| k >= 1)
            .ok_or_else(|| {
                error(
                    n,
                    "lesson",
                    format!("steps are numbers from 1 like `1-3, 5`, got `{s}`"),
                )
            })
    };
    let mut out = Vec::new();
    for part in text.split(',') {
        match part.split_once('-') {
            Some((a, b)) => {
                let (a, b) = (number(a)?, number(b)?);
                if a > b {
                    return Err(error(
                        n,
                        "lesson",
                        format!("the range `{}` runs backwards", part.trim()),
                    ));
                }
                out.extend(a - 1..b);
            }
            None => out.push(number(part)? - 1),
        }
    }
    Ok(Some(out))
}

/// The built-in courses (name, text).
pub const BUILT_IN: [(&str, &str); 1] = [(
    "stackelberg-in-50.course",
    include_str!("../../assets/courses/stackelberg-in-50.course"),
)];

/// The built-in courses expanded over the built-in lessons (all of them: a test checks it).
pub fn built_in(lessons: &[Lesson]) -> Vec<Lesson> {
    BUILT_IN
        .iter()
        .filter_map(
            |(name, text)| match Course::parse(text).and_then(|c| c.expand(lessons)) {
                Ok(lesson) => Some(lesson),
                Err(e) => {
                    log::error!("built-in course {name}: {e}");
                    None
                }
            },
        )
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The 50-minute lecture: every reference resolves, it opens with Lesson 0 and ends with BLPO on
    /// control (recorded) and an exercise, and its minutes — by the lessons' rule — fit in 50.
    #[test]
    fn the_built_in_course_expands_and_fits_its_fifty_minutes() {
        let lessons = super::super::built_in();
        let courses = built_in(&lessons);
        assert_eq!(courses.len(), BUILT_IN.len(), "every course expands");
        let course = &courses[0];
        assert!((40..=50).contains(&course.minutes), "{}", course.minutes);
        assert_eq!(course.minutes, minutes(&course.steps));
        assert!(course.steps[0].view.starts_with("#playground"));
        assert!(
            course
                .steps
                .iter()
                .any(|s| s.view.contains("record=cartpole-main-py"))
        );
        assert!(course.steps.last().is_some_and(Step::is_exercise));
        let ids: Vec<&str> = lessons.iter().map(|l| l.id.as_str()).collect();
        assert!(
            !ids.contains(&course.id.as_str()),
            "a course's id is not a lesson's"
        );
    }

    /// Every built-in lesson's `minutes` is its steps' minutes by the rule.
    #[test]
    fn every_built_in_lessons_minutes_follow_the_rule() {
        for lesson in super::super::built_in() {
            assert_eq!(lesson.minutes, minutes(&lesson.steps), "{}", lesson.id);
        }
    }

    #[test]
    fn a_bad_course_names_its_line() {
        let lessons = super::super::built_in();
        let bad = |text: &str| {
            Course::parse(text)
                .and_then(|c| c.expand(&lessons))
                .expect_err(text)
        };
        let e = bad("# C\nid: c\nlesson: nowhere 1\n");
        assert_eq!((e.line, e.field), (3, "lesson"), "{e}");
        let e = bad("# C\nid: c\n\nlesson: the-core 99\n");
        assert!(e.line == 4 && e.message.contains("99"), "{e}");
        let e = bad("# C\nid: c\nlesson: the-core 3-1\n");
        assert!(e.message.contains("backwards"), "{e}");
        let e = bad("# C\nid: c\nwhat: x\n");
        assert_eq!(e.line, 3, "{e}");
        assert_eq!(bad("id: c\nlesson: the-core\n").field, "title");
        assert_eq!(
            Course::parse("# C\nid: c\nlesson: the-core 1-2, 5\n").map(|c| c.parts[0].2.clone()),
            Ok(Some(vec![0, 1, 4]))
        );
    }
}
