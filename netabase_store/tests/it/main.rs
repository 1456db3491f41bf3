mod reference_expansion;
