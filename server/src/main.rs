use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    spse_auth::cli::main().await
}
