//! Exports: CSV text, PNG of a screen region (natively from egui's screenshot; in the browser the page
//! crops and encodes the canvas itself, off the frame), handed to the user by
//! [`crate::platform::save_file`].

use std::sync::{Arc, Mutex};

use egui::ColorImage;

/// A button that hands a file to the user when clicked (its rectangle published as `id`); the result
/// says where the file went or why it could not be saved.
pub fn file_button(
    ui: &mut egui::Ui,
    report: &mut crate::app::ViewReport,
    (id, label, hint): (&'static str, &str, &str),
    (name, mime): (&str, &str),
    contents: impl FnOnce() -> String,
) -> Option<Result<String, String>> {
    let button = ui.button(label).on_hover_text(hint);
    report.control(id, &button);
    button
        .clicked()
        .then(|| crate::platform::save_file(name, mime, contents().as_bytes()))
}

/// The last export's outcome beside the buttons: where the file went, or why it did not.
pub fn outcome_ui(
    ui: &mut egui::Ui,
    look: crate::app::Look,
    outcome: Option<&Result<String, String>>,
) {
    match outcome {
        Some(Ok(m)) => {
            ui.label(m);
        }
        Some(Err(e)) => {
            ui.colored_label(look.error_color(), e);
        }
        None => {}
    }
}

/// A CSV cell.
#[derive(Clone, Copy, Debug)]
pub enum Cell<'a> {
    Int(u64),
    Num(f64),
    /// Text without commas, quotes or line breaks (labels).
    Text(&'a str),
    /// A vector's coordinates joined by `;`.
    Nums(&'a [f64]),
}

/// A CSV document: header and rows, numbers in their shortest round-trip form (as the JSON documents
/// write them: `zmij`, serde_json's own). Written into one string as it goes: rows of `String`s from
/// `Display` cost an allocation a cell and were most of an export's frame.
pub fn csv<'a, R: AsRef<[Cell<'a>]>>(header: &[&str], rows: impl IntoIterator<Item = R>) -> String {
    let mut out = header.join(",");
    out.push('\n');
    if let Err(e) = write_rows(&mut out, rows) {
        // Formatting into a `String` does not fail; should it, the file says so at its end.
        out.push_str(&format!("error: {e}\n"));
    }
    out
}

fn write_rows<'a, R: AsRef<[Cell<'a>]>>(
    out: &mut String,
    rows: impl IntoIterator<Item = R>,
) -> std::fmt::Result {
    use std::fmt::Write as _;
    let mut number = zmij::Buffer::new();
    for row in rows {
        for (i, cell) in row.as_ref().iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            match cell {
                Cell::Int(v) => write!(out, "{v}")?,
                Cell::Num(v) => out.push_str(number.format(*v)),
                Cell::Text(t) => out.push_str(t),
                Cell::Nums(vs) => {
                    for (j, v) in vs.iter().enumerate() {
                        if j > 0 {
                            out.push(';');
                        }
                        out.push_str(number.format(*v));
                    }
                }
            }
        }
        out.push('\n');
    }
    Ok(())
}

/// The part of a screenshot inside `rect` (egui points; `pixels_per_point` converts) as PNG bytes.
pub fn png_of_region(
    image: &ColorImage,
    rect: egui::Rect,
    pixels_per_point: f32,
) -> Result<Vec<u8>, String> {
    let [w, h] = image.size;
    let px = |v: f32, max: usize| ((v * pixels_per_point).round().max(0.0) as usize).min(max);
    let (x0, x1) = (px(rect.left(), w), px(rect.right(), w));
    let (y0, y1) = (px(rect.top(), h), px(rect.bottom(), h));
    if x1 <= x0 || y1 <= y0 {
        return Err(format!(
            "nothing to export: region {rect:?} is outside the {w}×{h} screenshot"
        ));
    }
    let mut rgba = Vec::with_capacity((x1 - x0) * (y1 - y0) * 4);
    for y in y0..y1 {
        for p in &image.pixels[y * w + x0..y * w + x1] {
            rgba.extend_from_slice(&p.to_srgba_unmultiplied());
        }
    }
    png_bytes(x1 - x0, y1 - y0, &rgba)
}

fn png_bytes(width: usize, height: usize, rgba: &[u8]) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, width as u32, height as u32);
    encoder.set_color(png::ColorType::Rgba);
    encoder.set_depth(png::BitDepth::Eight);
    // fdeflate's mode for PNG: several times faster than the default on a chart (the handout encodes
    // one per step inside a frame), a few per cent larger.
    encoder.set_compression(png::Compression::Fast);
    let mut writer = encoder.write_header().map_err(|e| format!("PNG: {e}"))?;
    writer
        .write_image_data(rgba)
        .map_err(|e| format!("PNG: {e}"))?;
    writer.finish().map_err(|e| format!("PNG: {e}"))?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_and_png_round_trip() {
        assert_eq!(
            csv(
                &["a", "b", "c", "d"],
                [[
                    Cell::Int(1),
                    Cell::Num(0.5),
                    Cell::Text("x"),
                    Cell::Nums(&[1e-20, f64::NAN])
                ]]
            ),
            "a,b,c,d\n1,0.5,x,1e-20;NaN\n"
        );
        let mut image = ColorImage::filled([4, 3], egui::Color32::WHITE);
        image.pixels[4 + 1] = egui::Color32::from_rgb(10, 20, 30);
        let rect = egui::Rect::from_min_max(egui::pos2(0.5, 0.5), egui::pos2(1.5, 1.5));
        let bytes = png_of_region(&image, rect, 2.0).unwrap_or_default();
        let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
        let mut reader = decoder.read_info().expect("a PNG");
        let mut buf = vec![0; reader.output_buffer_size().unwrap_or(0)];
        let info = reader.next_frame(&mut buf).expect("a frame");
        assert_eq!((info.width, info.height), (2, 2));
        assert_eq!(
            &buf[0..3],
            &[10, 20, 30],
            "pixel (1, 1) is the region's first"
        );
        assert_eq!(&buf[4..7], &[255, 255, 255]);
        let far = egui::Rect::from_min_max(egui::pos2(10.0, 10.0), egui::pos2(20.0, 20.0));
        assert!(png_of_region(&image, far, 1.0).is_err());
    }
}

/// `rect` (egui points) as the canvas region `[x, y, width, height]` in device pixels that the page copies.
pub fn device_region(rect: egui::Rect, pixels_per_point: f32) -> [u32; 4] {
    let px = |v: f32| (v * pixels_per_point).round().max(0.0) as u32;
    [
        px(rect.left()),
        px(rect.top()),
        px(rect.width()),
        px(rect.height()),
    ]
}

/// A PNG of one region of the view. Natively a button asks egui for a screenshot, and the next frame crops
/// it to the region (set by the view each frame) and saves the file. In the browser the next frame hands
/// the region to the page, which takes it from the canvas right after that frame is painted and crops,
/// encodes and downloads it outside the app's frames (`web/frame-work.js`): egui's screenshot would read
/// the whole canvas back synchronously inside a frame (0.4–0.6 s with WebGL2 on a software renderer).
#[derive(Default)]
pub struct RegionPng {
    /// Delivered by egui's screenshot callback (native).
    shot: Arc<Mutex<Option<Arc<ColorImage>>>>,
    /// The region, in points, as laid out this frame and visible (see [`Self::set_region`]).
    rect: Option<egui::Rect>,
    /// The button was pressed; the region goes to the page in the next frame (browser).
    asked: bool,
    /// The page is saving the file (browser).
    saving: bool,
}

impl RegionPng {
    /// The region to export, as laid out this frame in `ui`: the part of `rect` that `ui` shows (not what
    /// is scrolled away, nor the status bar drawn over it).
    pub fn set_region(&mut self, ui: &egui::Ui, rect: egui::Rect) {
        self.rect = Some(rect.intersect(ui.clip_rect()));
    }

    /// The "PNG" button (published as `id`).
    pub fn button_ui(
        &mut self,
        ui: &mut egui::Ui,
        report: &mut crate::app::ViewReport,
        id: &'static str,
        hint: &str,
    ) {
        let png = ui.button("PNG").on_hover_text(hint);
        report.control(id, &png);
        if !png.clicked() {
            return;
        }
        if crate::platform::PAGE_SAVES_PNG {
            self.asked = true;
            ui.ctx().request_repaint();
            return;
        }
        let slot = Arc::clone(&self.shot);
        let repaint = ui.ctx().clone();
        ui.ctx().request_screenshot(move |image| {
            if let Ok(mut s) = slot.lock() {
                *s = Some(image);
            }
            repaint.request_repaint();
        });
    }

    /// Saves the file as `name` once it can: crops and encodes the screenshot once it has arrived
    /// (native), or hands the region to the page and later reports what the page did (browser). The result
    /// says where the file went or why not.
    pub fn collect(&mut self, ctx: &egui::Context, name: &str) -> Option<Result<String, String>> {
        if crate::platform::PAGE_SAVES_PNG {
            return self.collect_from_page(ctx, name);
        }
        let image = self.shot.lock().ok().and_then(|mut s| s.take())?;
        let rect = self.rect?;
        Some(
            png_of_region(&image, rect, ctx.pixels_per_point())
                .and_then(|bytes| crate::platform::save_file(name, "image/png", &bytes)),
        )
    }

    fn collect_from_page(
        &mut self,
        ctx: &egui::Context,
        name: &str,
    ) -> Option<Result<String, String>> {
        if self.saving {
            let outcome = crate::platform::saved_png_outcome();
            match outcome {
                Some(_) => self.saving = false,
                None => ctx.request_repaint_after(std::time::Duration::from_millis(100)),
            }
            return outcome;
        }
        let rect = self.rect.filter(|_| self.asked)?;
        self.asked = false;
        if !rect.is_positive() {
            return Some(Err(format!(
                "nothing to export: {name}'s region is off screen"
            )));
        }
        let region = device_region(rect, ctx.pixels_per_point());
        Some(
            crate::platform::png_after_paint(name, region, false).map(|()| {
                self.saving = true;
                ctx.request_repaint();
                format!("saving {name}…")
            }),
        )
    }
}
