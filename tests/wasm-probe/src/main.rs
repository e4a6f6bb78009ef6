//! Native side of the probe: reads a scenario on stdin, prints the answers.

use std::io::Read;

fn main() -> std::io::Result<()> {
    let mut input = String::new();
    std::io::stdin().read_to_string(&mut input)?;
    println!("{}", wasm_probe::run(&input));
    Ok(())
}
