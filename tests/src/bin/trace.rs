//! `trace write FILE`: writes the reference runs' traces, one event a line.
//! `trace diff LEFT RIGHT`: names the first event at which two written traces differ,
//! with its run, sequence number and instant, and exits with 1; exits with 0 if they are
//! the same. `scripts/trace-diff.sh` compares a git revision with the work tree this way.

use kscope_tests::trace::{first_difference, reference_trace};
use std::process::ExitCode;

fn read(path: &str) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read {path}: {e}"))
        .lines()
        .map(String::from)
        .collect()
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.iter().map(String::as_str).collect::<Vec<_>>()[..] {
        ["write", path] => {
            let lines = reference_trace();
            let mut text = lines.join("\n");
            text.push('\n');
            std::fs::write(path, text).unwrap_or_else(|e| panic!("cannot write {path}: {e}"));
            println!("{} events written to {path}", lines.len());
            ExitCode::SUCCESS
        }
        ["diff", left, right] => {
            let (a, b) = (read(left), read(right));
            match first_difference(&a, &b) {
                None => {
                    println!("same trace: {} events", a.len());
                    ExitCode::SUCCESS
                }
                Some(d) => {
                    println!(
                        "traces part at line {} (of {} and {}):",
                        d.line,
                        a.len(),
                        b.len()
                    );
                    let show =
                        |l: &Option<String>| l.as_deref().unwrap_or("(trace ended)").to_owned();
                    if d.line > 0 {
                        println!("  both: {}", a[d.line - 1]);
                    }
                    println!("  {left}: {}", show(&d.left));
                    println!("  {right}: {}", show(&d.right));
                    ExitCode::from(1)
                }
            }
        }
        _ => {
            eprintln!("usage: trace write FILE | trace diff LEFT RIGHT");
            ExitCode::from(2)
        }
    }
}
