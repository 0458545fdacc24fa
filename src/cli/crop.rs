pub fn run(_a: CropArgs, _m: &super::ModelArgs) -> anyhow::Result<bool> { todo!() }
#[derive(Debug, clap::Args)] pub struct CropArgs {}
