//! `jobmock shape infer`: the shapes of recorded payloads, learned and printed or written as
//! one `<jobType>.shape` file per job type.

use std::process::ExitCode;

use crate::cli::InferArgs;
use crate::error::{Error, Result};
use crate::output::{self, note};
use crate::shape::{infer::infer_by_type, write::shape_text};

pub(super) fn infer(args: InferArgs) -> Result<ExitCode> {
    let payloads = crate::diff::read_payloads(&args.paths)?;
    let shapes = infer_by_type(&payloads);
    if shapes.is_empty() {
        return Err(Error::Usage {
            message: format!(
                "no job payload (a JSON object with a \"type\", or a web tool's with a \
                 \"jobStatus\") under {}",
                args.paths
                    .iter()
                    .map(|path| path.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        });
    }
    let Some(out) = args.out else {
        for (job_type, shape) in &shapes {
            output::print(format_args!(
                "// the shape of job type {job_type:?}: save it as {job_type}.shape\n{}",
                shape_text(shape)
            ))?;
        }
        return Ok(ExitCode::SUCCESS);
    };
    std::fs::create_dir_all(&out).map_err(|source| Error::Write {
        path: out.clone(),
        source,
    })?;
    // Every file is checked before any is written: a refusal leaves the folder as it was.
    let paths: Vec<_> = shapes
        .keys()
        .map(|job_type| out.join(format!("{job_type}.{}", crate::diff::SHAPE_EXTENSION)))
        .collect();
    for path in &paths {
        crate::util::write::may_write(path, args.overwrite, "--out", "--overwrite")?;
    }
    for ((job_type, shape), path) in shapes.iter().zip(&paths) {
        let text = format!(
            "// The shape of {job_type} jobs, learned by `jobmock shape infer` from {} payload(s).\n{}",
            payloads
                .iter()
                .filter(|p| crate::shape::builtin::job_type_of(p) == Some(job_type.as_str()))
                .count(),
            shape_text(shape)
        );
        crate::util::write::file(path, text.as_bytes())?;
        note!("jobmock: wrote {}", path.display());
    }
    Ok(ExitCode::SUCCESS)
}
