mod macros;
mod ui;
