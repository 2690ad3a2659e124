exports.render = (rows) => `<rows>${rows.map((r) => `<row>${r.map((c) => `<c>${c}</c>`).join('')}</row>`).join('')}</rows>`;
