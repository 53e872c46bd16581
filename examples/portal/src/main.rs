//! `cargo run -p portal`: the Acme portal on the built-in fakes.

#![allow(clippy::print_stdout)] // a console program

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    tracing_subscriber::fmt().with_target(false).init();
    let port = std::env::var("PORTAL_PORT").ok().and_then(|p| p.parse().ok()).unwrap_or(0);
    let portal = portal::start_on_fakes(port).await?;
    println!("Acme portal: open {}/", portal.url());
    for (name, url) in portal.fakes() {
        println!("  fake {name:<9} {url}");
    }
    println!("Ctrl-C to stop.");
    tokio::signal::ctrl_c().await?;
    portal.shutdown().await;
    Ok(())
}
