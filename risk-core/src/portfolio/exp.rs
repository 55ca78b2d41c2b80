//! exp(x) for the portfolio's hot loop: every lognormal event size is one exp, and glibc's
//! (with its error-handling wrapper) was a fifth of a run's instructions.
//!
//! # Algorithm (table-driven, as in ARM's optimized-routines and glibc's own)
//! With N = 128: k = round(x·N/ln 2), r = x − k·ln2/N (|r| ≤ ln2/256 ≈ 0.0027, ln2/N split into
//! a 36-bit head, so k·head is exact for |k| < 2¹⁷, and a tail), then
//! exp(x) = 2^(k div N) · 2^((k mod N)/N) · e^r, the middle factor from a table of the 128 values
//! 2^(i/128) (each the double nearest, computed to 60 digits), e^r by its Taylor polynomial to r⁵
//! (truncation < r⁶/720 < 6e-19). Relative error about one ulp (tested against `f64::exp`).
//! Plain IEEE operations only (no fused multiply-add, no library call): the same bits on every
//! machine. Beyond |x| ≥ 700 (where a loss would overflow or vanish anyway) `f64::exp` is used.

/// 2^(i/128), i = 0 … 127, as IEEE-754 bits.
const TABLE: [u64; 128] = [
    0x3FF0000000000000,
    0x3FF0163DA9FB3335,
    0x3FF02C9A3E778061,
    0x3FF04315E86E7F85,
    0x3FF059B0D3158574,
    0x3FF0706B29DDF6DE,
    0x3FF0874518759BC8,
    0x3FF09E3ECAC6F383,
    0x3FF0B5586CF9890F,
    0x3FF0CC922B7247F7,
    0x3FF0E3EC32D3D1A2,
    0x3FF0FB66AFFED31B,
    0x3FF11301D0125B51,
    0x3FF12ABDC06C31CC,
    0x3FF1429AAEA92DE0,
    0x3FF15A98C8A58E51,
    0x3FF172B83C7D517B,
    0x3FF18AF9388C8DEA,
    0x3FF1A35BEB6FCB75,
    0x3FF1BBE084045CD4,
    0x3FF1D4873168B9AA,
    0x3FF1ED5022FCD91D,
    0x3FF2063B88628CD6,
    0x3FF21F49917DDC96,
    0x3FF2387A6E756238,
    0x3FF251CE4FB2A63F,
    0x3FF26B4565E27CDD,
    0x3FF284DFE1F56381,
    0x3FF29E9DF51FDEE1,
    0x3FF2B87FD0DAD990,
    0x3FF2D285A6E4030B,
    0x3FF2ECAFA93E2F56,
    0x3FF306FE0A31B715,
    0x3FF32170FC4CD831,
    0x3FF33C08B26416FF,
    0x3FF356C55F929FF1,
    0x3FF371A7373AA9CB,
    0x3FF38CAE6D05D866,
    0x3FF3A7DB34E59FF7,
    0x3FF3C32DC313A8E5,
    0x3FF3DEA64C123422,
    0x3FF3FA4504AC801C,
    0x3FF4160A21F72E2A,
    0x3FF431F5D950A897,
    0x3FF44E086061892D,
    0x3FF46A41ED1D0057,
    0x3FF486A2B5C13CD0,
    0x3FF4A32AF0D7D3DE,
    0x3FF4BFDAD5362A27,
    0x3FF4DCB299FDDD0D,
    0x3FF4F9B2769D2CA7,
    0x3FF516DAA2CF6642,
    0x3FF5342B569D4F82,
    0x3FF551A4CA5D920F,
    0x3FF56F4736B527DA,
    0x3FF58D12D497C7FD,
    0x3FF5AB07DD485429,
    0x3FF5C9268A5946B7,
    0x3FF5E76F15AD2148,
    0x3FF605E1B976DC09,
    0x3FF6247EB03A5585,
    0x3FF6434634CCC320,
    0x3FF6623882552225,
    0x3FF68155D44CA973,
    0x3FF6A09E667F3BCD,
    0x3FF6C012750BDABF,
    0x3FF6DFB23C651A2F,
    0x3FF6FF7DF9519484,
    0x3FF71F75E8EC5F74,
    0x3FF73F9A48A58174,
    0x3FF75FEB564267C9,
    0x3FF780694FDE5D3F,
    0x3FF7A11473EB0187,
    0x3FF7C1ED0130C132,
    0x3FF7E2F336CF4E62,
    0x3FF80427543E1A12,
    0x3FF82589994CCE13,
    0x3FF8471A4623C7AD,
    0x3FF868D99B4492ED,
    0x3FF88AC7D98A6699,
    0x3FF8ACE5422AA0DB,
    0x3FF8CF3216B5448C,
    0x3FF8F1AE99157736,
    0x3FF9145B0B91FFC6,
    0x3FF93737B0CDC5E5,
    0x3FF95A44CBC8520F,
    0x3FF97D829FDE4E50,
    0x3FF9A0F170CA07BA,
    0x3FF9C49182A3F090,
    0x3FF9E86319E32323,
    0x3FFA0C667B5DE565,
    0x3FFA309BEC4A2D33,
    0x3FFA5503B23E255D,
    0x3FFA799E1330B358,
    0x3FFA9E6B5579FDBF,
    0x3FFAC36BBFD3F37A,
    0x3FFAE89F995AD3AD,
    0x3FFB0E07298DB666,
    0x3FFB33A2B84F15FB,
    0x3FFB59728DE5593A,
    0x3FFB7F76F2FB5E47,
    0x3FFBA5B030A1064A,
    0x3FFBCC1E904BC1D2,
    0x3FFBF2C25BD71E09,
    0x3FFC199BDD85529C,
    0x3FFC40AB5FFFD07A,
    0x3FFC67F12E57D14B,
    0x3FFC8F6D9406E7B5,
    0x3FFCB720DCEF9069,
    0x3FFCDF0B555DC3FA,
    0x3FFD072D4A07897C,
    0x3FFD2F87080D89F2,
    0x3FFD5818DCFBA487,
    0x3FFD80E316C98398,
    0x3FFDA9E603DB3285,
    0x3FFDD321F301B460,
    0x3FFDFC97337B9B5F,
    0x3FFE264614F5A129,
    0x3FFE502EE78B3FF6,
    0x3FFE7A51FBC74C83,
    0x3FFEA4AFA2A490DA,
    0x3FFECF482D8E67F1,
    0x3FFEFA1BEE615A27,
    0x3FFF252B376BBA97,
    0x3FFF50765B6E4540,
    0x3FFF7BFDAD9CBE14,
    0x3FFFA7C1819E90D8,
    0x3FFFD3C22B8F71F1,
];

/// 128/ln 2.
const INV_LN2_N: f64 = 184.664_965_233_787_3;
/// The head of ln2/128: 0x1.62e42fefa0000p-8 (36 significant bits).
const LN2_N_HEAD: u64 = 0x3F76_2E42_FEFA_0000;
/// The tail ln2/128 − head: 0x1.cf79abc9e3b3ap-47.
const LN2_N_TAIL: u64 = 0x3D0C_F79A_BC9E_3B3A;
/// 1.5·2⁵²: adding and subtracting it rounds to the nearest integer (round-to-nearest mode).
const SHIFT: f64 = 6_755_399_441_055_744.0;

/// e^x, within about one ulp (module documentation).
#[inline]
pub(super) fn exp(x: f64) -> f64 {
    if !(x.abs() < 700.0) {
        return x.exp();
    }
    // The bits of SHIFT + k are SHIFT's (whose low 51 bits are 0) plus k: k's low 7 bits index
    // the table and, shifted up by 45, its high bits k div N land in the exponent field (SHIFT's
    // own bits shift out). No float-to-integer conversion.
    let shifted = x * INV_LN2_N + SHIFT;
    let ki = shifted.to_bits();
    let kd = shifted - SHIFT;
    let r = x - kd * f64::from_bits(LN2_N_HEAD) - kd * f64::from_bits(LN2_N_TAIL);
    let r2 = r * r;
    let p = r + r2 * (0.5 + r * (1.0 / 6.0 + r * (1.0 / 24.0 + r * (1.0 / 120.0))));
    // 2^(i/N) · 2^(k div N): (k mod N)·2⁴⁵ is taken off the table entry again, a normal
    // result for |x| < 700.
    let i = ki & 127;
    let t = f64::from_bits(
        TABLE[i as usize]
            .wrapping_sub(i << 45)
            .wrapping_add(ki << 45),
    );
    t + t * p
}

#[cfg(test)]
mod tests {
    /// Within 2 ulp of `f64::exp` over the range losses take (and the fallback beyond it).
    #[test]
    fn agrees_with_the_library_exp() {
        let mut worst = 0.0f64;
        let mut x = -699.9;
        while x < 699.9 {
            let (a, b) = (super::exp(x), x.exp());
            worst = worst.max(((a - b) / b).abs());
            x += 0.000_731_3;
        }
        assert!(
            worst <= 2.0 * f64::EPSILON,
            "worst relative error {worst:e}"
        );
        for x in [0.0, 1.0, -1.0, 1e-300, 709.0, -720.0] {
            let (a, b) = (super::exp(x), x.exp());
            assert!((a - b).abs() <= 2.0 * f64::EPSILON * b, "{x}: {a} vs {b}");
        }
        assert_eq!(super::exp(f64::INFINITY), f64::INFINITY);
        assert_eq!(super::exp(f64::NEG_INFINITY), 0.0);
        assert!(super::exp(f64::NAN).is_nan());
        assert_eq!(super::exp(0.0), 1.0);
    }
}
